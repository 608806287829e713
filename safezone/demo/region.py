"""The demo region's agencies and staff accounts (invented organisations and people)."""

from safezone.accounts.models import Role

# Published with the demo; the demo accounts can sign in only where SAFEZONE_DEMO is on.
DEMO_PASSWORD = "safezone-demo-2026"

_SOCIAL_COVER = {
    "kcson-vologda": ["vologda"],
    "kcson-cherepovets": ["cherepovets"],
    "kcson-vologodsky": ["vologodsky"],
    "kcson-gryazovetsky": ["gryazovetsky"],
    "kcson-sokolsky": ["sokolsky", "ust-kubinsky", "kharovsky", "syamzhensky", "vozhegodsky", "verkhovazhsky"],
    "kcson-sheksninsky": ["sheksninsky", "cherepovetsky", "kaduysky", "chagodoshchensky", "ustyuzhensky"],
    "kcson-velikoustyugsky": ["velikoustyugsky", "nikolsky", "kichmengsko-gorodetsky", "nyuksensky", "tarnogsky"],
    "kcson-totemsky": ["totemsky", "babushkinsky", "mezhdurechensky"],
    "kcson-vytegorsky": ["vytegorsky", "vashkinsky", "belozersky", "kirillovsky", "babayevsky"],
}
_KCSON_NAMES = {
    "vologda": ("г. Вологды", "Vologda"),
    "cherepovets": ("г. Череповца", "Cherepovets"),
    "vologodsky": ("Вологодского района", "Vologodsky District"),
    "gryazovetsky": ("Грязовецкого района", "Gryazovetsky District"),
    "sokolsky": ("Сокольского района", "Sokolsky District"),
    "sheksninsky": ("Шекснинского района", "Sheksninsky District"),
    "velikoustyugsky": ("Великоустюгского района", "Velikoustyugsky District"),
    "totemsky": ("Тотемского района", "Totemsky District"),
    "vytegorsky": ("Вытегорского района", "Vytegorsky District"),
}
ALL = "*"

# (code, kind, name_ru, name_en, short_ru, short_en, seat district code or "region", districts served)
AGENCIES = [
    ("department", "department", "Департамент социальной защиты населения Вологодской области",
     "Department of Social Development of Vologda Oblast", "Департамент", "Department", "region", ALL),
    ("prosecutor", "prosecutor", "Прокуратура Вологодской области", "Vologda Oblast Prosecutor's Office",
     "Прокуратура", "Prosecutor", "region", ALL),
    ("education-department", "education", "Департамент образования Вологодской области",
     "Vologda Oblast Department of Education", "Департамент образования", "Education dept.", "region", ALL),
    ("kdn-region", "youth_commission", "Областная комиссия по делам несовершеннолетних и защите их прав",
     "Regional Commission for Minors' Affairs", "Областная КДНиЗП", "Regional youth commission", "region", ALL),
    ("crisis-vologda", "crisis_centre", "Областной кризисный центр помощи женщинам и детям",
     "Regional Crisis Centre for Women and Children", "Кризисный центр (Вологда)", "Crisis centre Vologda",
     "vologda", ["vologda", "vologodsky", "gryazovetsky", "sokolsky", "totemsky", "kharovsky", "syamzhensky",
                 "vozhegodsky", "verkhovazhsky", "ust-kubinsky", "mezhdurechensky"]),
    ("crisis-cherepovets", "crisis_centre", "Кризисный центр для женщин г. Череповца",
     "Cherepovets Crisis Centre for Women", "Кризисный центр (Череповец)", "Crisis centre Cherepovets",
     "cherepovets", ["cherepovets", "cherepovetsky", "sheksninsky", "kaduysky", "chagodoshchensky", "ustyuzhensky",
                     "babayevsky", "belozersky", "kirillovsky", "vytegorsky", "vashkinsky"]),
    ("shelter-nadezhda", "shelter", "Социальный приют для женщин с детьми «Надежда»",
     "Nadezhda Shelter for Women with Children", "Приют «Надежда»", "Nadezhda shelter", "vologda", ALL),
    ("rehab-vologda", "rehabilitation_centre", "Социально-реабилитационный центр для несовершеннолетних г. Вологды",
     "Vologda Rehabilitation Centre for Minors", "СРЦ (Вологда)", "Rehab centre Vologda", "vologda",
     ["vologda", "vologodsky"]),
    ("hospital-vologda", "health", "Вологодская городская больница № 1", "Vologda City Hospital No. 1",
     "Больница № 1", "Hospital No. 1", "vologda", ["vologda"]),
    ("hospital-cherepovets", "health", "Череповецкая городская больница", "Cherepovets City Hospital",
     "Больница (Череповец)", "Hospital Cherepovets", "cherepovets", ["cherepovets"]),
    ("police-vologda", "police", "УМВД России по г. Вологде", "Vologda City Police Department",
     "Полиция (Вологда)", "Police Vologda", "vologda", ["vologda", "vologodsky"]),
    ("police-cherepovets", "police", "УМВД России по г. Череповцу", "Cherepovets City Police Department",
     "Полиция (Череповец)", "Police Cherepovets", "cherepovets", ["cherepovets", "cherepovetsky"]),
    ("police-sokolsky", "police", "ОМВД России по Сокольскому району", "Sokolsky District Police",
     "Полиция (Сокол)", "Police Sokol", "sokolsky", ["sokolsky", "ust-kubinsky", "kharovsky"]),
    ("police-velikoustyugsky", "police", "ОМВД России по Великоустюгскому району", "Velikoustyugsky District Police",
     "Полиция (Великий Устюг)", "Police Veliky Ustyug", "velikoustyugsky", ["velikoustyugsky", "nyuksensky"]),
    ("school-vologda-5", "school", "Средняя школа № 5 г. Вологды", "Vologda Secondary School No. 5",
     "Школа № 5 (Вологда)", "School 5 Vologda", "vologda", ["vologda"]),
    ("school-vologda-21", "school", "Средняя школа № 21 г. Вологды", "Vologda Secondary School No. 21",
     "Школа № 21 (Вологда)", "School 21 Vologda", "vologda", ["vologda"]),
    ("school-cherepovets-12", "school", "Средняя школа № 12 г. Череповца", "Cherepovets Secondary School No. 12",
     "Школа № 12 (Череповец)", "School 12 Cherepovets", "cherepovets", ["cherepovets"]),
    ("school-sokol-1", "school", "Средняя школа № 1 г. Сокола", "Sokol Secondary School No. 1",
     "Школа № 1 (Сокол)", "School 1 Sokol", "sokolsky", ["sokolsky"]),
    ("kdn-vologda", "youth_commission", "Комиссия по делам несовершеннолетних г. Вологды",
     "Vologda Commission for Minors' Affairs", "КДНиЗП (Вологда)", "Youth commission Vologda", "vologda",
     ["vologda"]),
    ("kdn-cherepovets", "youth_commission", "Комиссия по делам несовершеннолетних г. Череповца",
     "Cherepovets Commission for Minors' Affairs", "КДНиЗП (Череповец)", "Youth commission Cherepovets",
     "cherepovets", ["cherepovets"]),
    ("ngo-white-ribbon", "ngo", "АНО «Белая лента — Вологда»", "White Ribbon Vologda (NGO)", "«Белая лента»",
     "White Ribbon", "vologda", ALL),
    ("ngo-teenager", "ngo", "АНО «Подросток»", "Teenager (NGO)", "«Подросток»", "Teenager NGO", "cherepovets",
     ["cherepovets", "vologda", "sokolsky"]),
] + [
    (code, "social_protection", f"Комплексный центр социального обслуживания населения {_KCSON_NAMES[seat][0]}",
     f"Social Services Centre of {_KCSON_NAMES[seat][1]}", f"КЦСОН {_KCSON_NAMES[seat][0]}",
     f"Social centre {_KCSON_NAMES[seat][1]}", seat, served)
    for code, served in _SOCIAL_COVER.items()
    for seat in [code.removeprefix("kcson-")]
]

# (username, role, agency code, staff flag); names are drawn from the demo's name pools.
STAFF = [
    ("admin", Role.ADMINISTRATOR, "department", True),
    ("dpo", Role.DPO, "department", False),
    ("analyst", Role.ANALYST, "department", False),
    ("coordinator", Role.COORDINATOR, "kdn-region", False),
    ("crisis.worker1", Role.CASEWORKER, "crisis-vologda", False),
    ("crisis.worker2", Role.CASEWORKER, "crisis-vologda", False),
    ("crisis.supervisor", Role.SUPERVISOR, "crisis-vologda", False),
    ("helpline1", Role.HELPLINE_OPERATOR, "crisis-vologda", False),
    ("helpline2", Role.HELPLINE_OPERATOR, "crisis-vologda", False),
    ("crisis.cher.worker", Role.CASEWORKER, "crisis-cherepovets", False),
    ("crisis.cher.supervisor", Role.SUPERVISOR, "crisis-cherepovets", False),
    ("helpline.cher", Role.HELPLINE_OPERATOR, "crisis-cherepovets", False),
    ("shelter.worker", Role.CASEWORKER, "shelter-nadezhda", False),
    ("rehab.worker", Role.CASEWORKER, "rehab-vologda", False),
    ("hospital.worker", Role.CASEWORKER, "hospital-vologda", False),
    ("hospital.cher.worker", Role.CASEWORKER, "hospital-cherepovets", False),
    ("social.worker1", Role.CASEWORKER, "kcson-vologda", False),
    ("social.worker2", Role.CASEWORKER, "kcson-vologda", False),
    ("social.worker3", Role.CASEWORKER, "kcson-vologda", False),
    ("social.supervisor", Role.SUPERVISOR, "kcson-vologda", False),
    ("social.cher.worker1", Role.CASEWORKER, "kcson-cherepovets", False),
    ("social.cher.worker2", Role.CASEWORKER, "kcson-cherepovets", False),
    ("social.cher.supervisor", Role.SUPERVISOR, "kcson-cherepovets", False),
    ("social.vologodsky", Role.CASEWORKER, "kcson-vologodsky", False),
    ("social.gryazovets", Role.CASEWORKER, "kcson-gryazovetsky", False),
    ("social.sokol", Role.CASEWORKER, "kcson-sokolsky", False),
    ("social.sheksna", Role.CASEWORKER, "kcson-sheksninsky", False),
    ("social.ustyug", Role.CASEWORKER, "kcson-velikoustyugsky", False),
    ("social.ustyug.supervisor", Role.SUPERVISOR, "kcson-velikoustyugsky", False),
    ("social.totma", Role.CASEWORKER, "kcson-totemsky", False),
    ("social.vytegra", Role.CASEWORKER, "kcson-vytegorsky", False),
    ("police1", Role.POLICE_OFFICER, "police-vologda", False),
    ("police2", Role.POLICE_OFFICER, "police-vologda", False),
    ("police.cher1", Role.POLICE_OFFICER, "police-cherepovets", False),
    ("police.cher2", Role.POLICE_OFFICER, "police-cherepovets", False),
    ("police.sokol", Role.POLICE_OFFICER, "police-sokolsky", False),
    ("police.ustyug", Role.POLICE_OFFICER, "police-velikoustyugsky", False),
    ("teacher1", Role.SCHOOL_PEDAGOGUE, "school-vologda-5", False),
    ("teacher2", Role.SCHOOL_PEDAGOGUE, "school-vologda-21", False),
    ("teacher.cher", Role.SCHOOL_PEDAGOGUE, "school-cherepovets-12", False),
    ("teacher.sokol", Role.SCHOOL_PEDAGOGUE, "school-sokol-1", False),
    ("kdn.vologda", Role.COORDINATOR, "kdn-vologda", False),
    ("kdn.cher", Role.COORDINATOR, "kdn-cherepovets", False),
    ("ngo.ribbon", Role.CASEWORKER, "ngo-white-ribbon", False),
    ("ngo.teenager", Role.CASEWORKER, "ngo-teenager", False),
]
# Users who hold a second role elsewhere (e.g. a supervisor who also takes cases).
EXTRA_MEMBERSHIPS = [("social.supervisor", Role.CASEWORKER, "kcson-vologda")]

# Which kinds of agency own which kinds of case, with weights.
CASE_OWNERS = {
    "dv": {"crisis_centre": 5, "social_protection": 4, "police": 2, "shelter": 1, "health": 1, "ngo": 1},
    "child": {"social_protection": 5, "school": 3, "rehabilitation_centre": 2, "police": 1},
    "labour": {"social_protection": 3, "police": 2, "ngo": 2, "school": 1},
    "trafficking": {"crisis_centre": 3, "police": 3, "ngo": 1},
}

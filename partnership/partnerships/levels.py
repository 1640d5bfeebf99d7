"""Stakeholder levels: the one table of their keys and labels (plain data, no database, so
the pure brief renderer may read it too)."""

LEVELS = {
    "executive": "Executive",
    "manager": "Manager",
    "individual": "Individual contributor",
}
#: The same levels naming a group of people (results breakdowns).
LEVEL_GROUP_LABELS = {
    "executive": "Executives",
    "manager": "Managers",
    "individual": "Individual contributors",
}

from municipality.roles import Role

_COUNCIL = [
    "councils.view_council", "councils.change_council",
    "councils.view_person", "councils.add_person", "councils.change_person",
    "councils.view_membership", "councils.add_membership", "councils.change_membership",
    "councils.view_office", "councils.add_office",
    "councils.view_pledge", "councils.add_pledge",
    "councils.view_workinggroup", "councils.add_workinggroup", "councils.change_workinggroup",
    "councils.view_meeting", "councils.add_meeting", "councils.change_meeting",
    "councils.view_invitation", "councils.change_invitation",
    "councils.view_paper", "councils.add_paper",
    "councils.view_body", "councils.change_body",
    "councils.view_communityissue", "councils.add_communityissue", "councils.change_communityissue",
]

PERMISSIONS = {
    Role.CITY_STAFF: [*_COUNCIL, "councils.add_council", "councils.add_body"],
    Role.SECRETARIAT: _COUNCIL,
    Role.AUDITOR: [p for p in _COUNCIL if ".view_" in p],
}

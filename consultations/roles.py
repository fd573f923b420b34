from municipality.roles import Role

_CASES = ["case", "householdmember", "consent", "assessment", "supportplan", "planrole", "caseconference",
          "supportmeeting", "supportmeetingattendee"]

PERMISSIONS = {
    # Only case workers handle cases; city staff, the secretariat and coordinators never do.
    Role.CASE_WORKER: [f"consultations.view_{m}" for m in _CASES]
    + ["consultations.view_regionalissue", "consultations.add_regionalissue", "consultations.view_agency"],
    # Those who run council meetings take a regional issue to an agenda item (the link; its text
    # stays as raised: RegionalIssueAdmin).
    Role.CITY_STAFF: ["consultations.view_agency", "consultations.add_agency", "consultations.change_agency",
                      "consultations.view_regionalissue", "consultations.change_regionalissue"],
    Role.SECRETARIAT: ["consultations.view_regionalissue", "consultations.change_regionalissue"],
}

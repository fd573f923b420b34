from municipality.roles import Role

_CASES = ["case", "householdmember", "consent", "assessment", "supportplan", "planrole", "caseconference",
          "supportmeeting", "supportmeetingattendee", "assessmentanswer", "plangoal", "supportitem", "evaluation",
          "evaluationgoal"]

PERMISSIONS = {
    # Only case workers handle cases; city staff, the secretariat and coordinators never do.
    Role.CASE_WORKER: [f"consultations.view_{m}" for m in _CASES]
    + ["consultations.view_regionalissue", "consultations.add_regionalissue", "consultations.view_agency",
       "consultations.view_assessmentitem"],
    # Those who run council meetings take a regional issue to an agenda item (the link; its text
    # stays as raised: RegionalIssueAdmin).
    Role.CITY_STAFF: ["consultations.view_agency", "consultations.add_agency", "consultations.change_agency",
                      # which items of 本人の状況 the city's アセスメントシート asks (data, not code)
                      "consultations.view_assessmentitem", "consultations.add_assessmentitem",
                      "consultations.change_assessmentitem",
                      "consultations.view_regionalissue", "consultations.change_regionalissue"],
    Role.SECRETARIAT: ["consultations.view_regionalissue", "consultations.change_regionalissue"],
}

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
                      "consultations.view_regionalissue", "consultations.change_regionalissue",
                      # 法定の会議体 (要対協 …) and their member agencies: no case data
                      "consultations.view_sharingbody", "consultations.add_sharingbody",
                      "consultations.change_sharingbody"],
    Role.SECRETARIAT: ["consultations.view_regionalissue", "consultations.change_regionalissue"],
    # The team lead (相談支援管理者) holds the 相談支援員 role too, whose permissions serve; the lead role
    # adds no model permission, only the reach of consultations.models.team_lead_q. Like the
    # 相談支援員 role it is privileged (municipality.roles.PRIVILEGED_ROLES): only a superuser grants
    # it, and the 監査 role is told of every grant and removal.
    Role.CASE_LEAD: [],
}

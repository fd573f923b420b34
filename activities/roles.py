from municipality.roles import Role

PERMISSIONS = {
    Role.CITY_STAFF: [
        "activities.view_activitycategory",
        "activities.add_activitycategory",
        "activities.change_activitycategory",
        "activities.view_activity",
        "activities.view_monthlyreport",
        "activities.change_monthlyreport",
        "activities.view_socialresource",
        "activities.add_socialresource",
        "activities.change_socialresource",
        "activities.view_need",
        "activities.change_need",
        "activities.view_match",
    ],
}

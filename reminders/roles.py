from municipality.roles import Role

PERMISSIONS = {Role.CITY_STAFF: ["reminders.view_delivery"]}

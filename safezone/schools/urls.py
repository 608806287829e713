"""Schools: early warning, pupils and support plans (/schools/)."""

app_name = "schools"
urlpatterns: list = []

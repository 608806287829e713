"""Child-labour monitoring (/child-labour/)."""

app_name = "labour"
urlpatterns: list = []

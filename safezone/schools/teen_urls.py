"""The district's list of teenagers at risk (/teens/)."""

app_name = "teens"
urlpatterns: list = []

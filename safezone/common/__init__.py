"""Small helpers shared by the apps. No tables of its own."""

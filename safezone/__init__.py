"""SafeZone: the shared case register against domestic violence and for children at risk."""

"""The signed-in person: log in and out, change one's password (users and roles: auth)."""

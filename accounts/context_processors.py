from accounts.roles import is_admin, is_program_staff


def program_roles(request) -> dict:
    """Template flags for navigation by role (the rules live in accounts.roles)."""
    user = getattr(request, "user", None)
    return {"is_program_staff": is_program_staff(user), "is_admin": is_admin(user)}

"""Roles of the office's staff and their Russian names."""

SPECIALIST = "specialist"
CHIEF = "chief"
DIRECTOR = "director"
ARCHIVIST = "archivist"
ADMIN = "admin"

ROLE_NAMES = {
    SPECIALIST: "Специалист (приём)",
    CHIEF: "Главный специалист",
    DIRECTOR: "Директор",
    ARCHIVIST: "Архивариус",
    ADMIN: "Администратор",
}
ROLES = tuple(ROLE_NAMES)

# Who works with applicants' personal data at the desk.
INTAKE_ROLES = (SPECIALIST, CHIEF)
MANAGEMENT_ROLES = (CHIEF, DIRECTOR)

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
# Who keeps the archive (places, issues, imports), and who may look a case file up.
ARCHIVE_ROLES = (ARCHIVIST, CHIEF)
ARCHIVE_LOOKUP_ROLES = (ARCHIVIST, CHIEF, SPECIALIST, DIRECTOR)
# Who works off deadlines (the header's «Сроки»).
DEADLINE_ROLES = (SPECIALIST, CHIEF, DIRECTOR, ARCHIVIST)

"""The REST API (/api/v1/): the register, casework, jobs and standards, scoped to the caller."""

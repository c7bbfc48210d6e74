"""The watch tests use the study's small warehouse (`study_db`): every layer, the real `ref`
tables, the run's parameters (ops.run_parameters.as_of is
`study_db.as_of`, 2026-11-29, unless a test sets it before `configure`)."""

from tests.study.conftest import StudyDb, _study_template, study_db  # noqa: F401

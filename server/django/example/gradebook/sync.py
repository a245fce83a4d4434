"""The gradebook's collections: `students` and `grades`, read by the groups of gradebook/groups.py."""
from syncore_django import register

from .groups import may_edit_students_of, student_readers
from .models import Grade, Student


def _student_department(student, data):
    if isinstance(data, dict) and "department" in data:
        return data["department"]
    return student.department_id if student is not None else None


def _grade_department(grade, data):
    student_id = data.get("student") if isinstance(data, dict) and "student" in data else (grade.student_id if grade else None)
    return Student.objects.filter(pk=student_id).values_list("department_id", flat=True).first()


def _grade_locked(user, op, grade, data):
    if grade is not None and grade.locked:
        return f"grade {grade.pk} is locked"
    return None


register(
    Student,
    collection="students",
    fields=["name", "department", "user", "score", "status"],
    read=student_readers,
    write=lambda user, op, student, data: may_edit_students_of(user, _student_department(student, data))
    and (student is None or may_edit_students_of(user, student.department_id)),
)
register(
    Grade,
    collection="grades",
    fields=["student", "course", "value", "locked"],
    read=lambda grade: student_readers(grade.student),
    write=lambda user, op, grade, data: may_edit_students_of(user, _grade_department(grade, data)),
    validate=_grade_locked,
)

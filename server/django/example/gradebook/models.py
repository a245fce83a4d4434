"""An EduLink-like school (seed 000): institutions, departments, people with a role, students and
their grades. Only Student and Grade are sync collections (gradebook/sync.py)."""
from django.conf import settings
from django.db import models


class Institution(models.Model):
    name = models.CharField(max_length=200)


class Department(models.Model):
    name = models.CharField(max_length=200)
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="departments")


class Profile(models.Model):
    """Seed 000's user_type, institution and supervisor.department, on a profile beside
    Django's own User."""

    SYSTEM_ADMIN, INSTITUTION_ADMIN, SUPERVISOR, STUDENT = "SYSTEM_ADMIN", "INSTITUTION_ADMIN", "SUPERVISOR", "STUDENT"
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    user_type = models.CharField(max_length=20, choices=[(x, x) for x in (SYSTEM_ADMIN, INSTITUTION_ADMIN, SUPERVISOR, STUDENT)])
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.SET_NULL)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL)


class Student(models.Model):
    name = models.CharField(max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="students")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    score = models.IntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, default="active", blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Grade(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="grades")
    course = models.CharField(max_length=200)
    value = models.IntegerField()
    locked = models.BooleanField(default=False)

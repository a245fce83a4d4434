"""Seed 000's groups, as read rights. EduLinkConsumer.connect put every user in user_<id>,
admins and supervisors in institution_<id>, supervisors in department_<id>; SyncService then
decided per role what each may read. Here the groups *are* the read rights (a row names the
groups that may read it, gradebook/sync.py), so they follow SyncService's rules: an institution
admin reads the institution, a supervisor the department, a student their own row, a system
admin everything."""
from .models import Profile


def user_groups(user):
    groups = [f"user_{user.pk}"]
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return groups
    if profile.user_type == Profile.SYSTEM_ADMIN:
        groups.append("role_system_admin")
    elif profile.user_type == Profile.INSTITUTION_ADMIN and profile.institution_id:
        groups.append(f"institution_{profile.institution_id}")
    elif profile.user_type == Profile.SUPERVISOR and profile.department_id:
        groups.append(f"department_{profile.department_id}")
    return groups


def student_readers(student):
    """Who may read a student row (and its grades): seed 000's SyncService, per role."""
    readers = ["role_system_admin", f"department_{student.department_id}", f"institution_{student.department.institution_id}"]
    if student.user_id:
        readers.append(f"user_{student.user_id}")
    return readers


def may_edit_students_of(user, department_id):
    profile = Profile.objects.filter(user=user).select_related("department").first()
    if profile is None:
        return False
    if profile.user_type == Profile.SYSTEM_ADMIN:
        return True
    if profile.user_type == Profile.INSTITUTION_ADMIN:
        from .models import Department

        return Department.objects.filter(pk=department_id, institution_id=profile.institution_id).exists()
    return profile.user_type == Profile.SUPERVISOR and profile.department_id == department_id

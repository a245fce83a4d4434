from django.contrib import admin

from .models import Department, Grade, Institution, Profile, Student

# Edits made here reach subscribed clients too (post_save -> the change log -> the channel layer).
for model in (Institution, Department, Profile, Student, Grade):
    admin.site.register(model)

from django.contrib import admin

from .models import GroupMeeting, MbctGroup


class MeetingInline(admin.TabularInline):
    model = GroupMeeting
    extra = 0


@admin.register(MbctGroup)
class MbctGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "therapist", "location")
    inlines = [MeetingInline]

from django.urls import path

from campaigns.views import home, jobs, notifications

urlpatterns = [
    path("", home.home, name="home"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/download", jobs.job_download, name="job_download"),
    path("exports/events", jobs.events_export_start, name="events_export_start"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read", notifications.notifications_read, name="notifications_read"),
]

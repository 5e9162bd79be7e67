from django.urls import path

from campaigns.views import events, home, jobs, notifications, partners, photos

urlpatterns = [
    path("", home.home, name="home"),
    path("events/", events.event_list, name="event_list"),
    path("events/new", events.event_plan, name="event_plan"),
    path("events/review/", events.review_queue, name="review_queue"),
    path("events/review/approve", events.event_approve_bulk, name="event_approve_bulk"),
    path("events/<int:pk>/", events.event_detail, name="event_detail"),
    path("events/<int:pk>/edit", events.event_edit, name="event_edit"),
    path("events/<int:pk>/report", events.event_report, name="event_report"),
    path("events/<int:pk>/submit", events.event_submit, name="event_submit"),
    path("events/<int:pk>/approve", events.event_approve, name="event_approve"),
    path("events/<int:pk>/return", events.event_return, name="event_return"),
    path("events/<int:pk>/cancel", events.event_cancel, name="event_cancel"),
    path("events/<int:pk>/photos", photos.event_photo_upload, name="event_photo_upload"),
    path(
        "events/<int:pk>/photos/<int:photo_pk>/delete",
        photos.event_photo_delete,
        name="event_photo_delete",
    ),
    path(
        "events/<int:pk>/photos/<int:photo_pk>/<str:size>",
        photos.event_photo,
        name="event_photo",
    ),
    path("partners/", partners.partner_list, name="partner_list"),
    path("partners/new", partners.partner_create, name="partner_create"),
    path("partners/<int:pk>/", partners.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit", partners.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/agreements/new", partners.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/edit", partners.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/document", partners.agreement_document, name="agreement_document"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/download", jobs.job_download, name="job_download"),
    path("exports/events", jobs.events_export_start, name="events_export_start"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read", notifications.notifications_read, name="notifications_read"),
]

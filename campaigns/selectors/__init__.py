"""Reads beyond a lookup: lists, coverage, dashboards, the data behind exports.

Every read starts from ``portal.access.visible_to``; nothing here writes, and nothing here
imports from campaigns/services/ (a service may call a selector, not the other way round).
What a person may not see leaves no selector: sign-in phones, for one, are masked here.
"""

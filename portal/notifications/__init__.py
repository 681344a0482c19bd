"""Notifications: the in-portal list ("Beskeder") and the durable mail queue behind it.

Every event a user is told about goes through :func:`portal.notifications.service.notify`,
in the same transaction as the change it reports.
"""

"""Zendesk Support: read its API objects (objects), convert them (importer), fetch them (pull)."""

"""Attachments: files on tasks, mitigations, risks, agreements, initiatives, working groups and plans."""

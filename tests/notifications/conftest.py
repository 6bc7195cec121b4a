"""The e-mail tests' fixtures: a real SMTP server on loopback and an app that mails through it."""

from mailserver import mail_app, mail_db, smtp  # noqa: F401

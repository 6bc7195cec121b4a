"""The vulnerability management team the security tests configure (setting `vmt_team`): its own module,
imported by name, since several test directories have a conftest.py and which one `import conftest`
finds depends on the order pytest loaded them."""

VMT_TEAM = "vmt-security"

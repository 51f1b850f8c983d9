"""The AWS emulator (moto) on loopback: server, provisioning, SES mailbox, fault proxy."""

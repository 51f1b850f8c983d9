# terraform workspace: prod  (make plan WORKSPACE=prod)
region       = "eu-west-1"
email_sender = "orders@example.com" # replace with a sender address you can verify in SES
# The functions' instruction set; `make build` builds the images for it (--platform linux/amd64).
image_architecture = "x86_64"

log_level                 = "INFO"
log_retention_days        = 365
ecr_force_delete          = false
table_deletion_protection = true
kms_deletion_window_days  = 30

api_throttle_rate_limit  = 50
api_throttle_burst_limit = 100
api_quota_per_day        = 100000
api_logging_level        = "ERROR"

# Who hears about prod's alarms (the plan fails in prod without one of these). Each address
# confirms its subscription to orderflow-prod-alarms by mail.
alarm_emails = ["ops@example.com"] # replace with your on-call address or list
# alarm_actions = ["arn:aws:sns:eu-west-1:123456789012:ops-alerts"]  # e.g. a shared ops topic

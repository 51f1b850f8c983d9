# terraform workspace: prod  (make plan WORKSPACE=prod)
region       = "eu-west-1"
email_sender = "orders@example.com" # replace with a sender address you can verify in SES

log_level                 = "INFO"
log_retention_days        = 365
ecr_keep_images           = 30
ecr_force_delete          = false
table_deletion_protection = true
kms_deletion_window_days  = 30

api_throttle_rate_limit  = 50
api_throttle_burst_limit = 100
api_quota_per_day        = 100000
api_logging_level        = "ERROR"

# alarm_actions = ["arn:aws:sns:eu-west-1:123456789012:ops-alerts"]

# The API Gateway logging role is one per AWS account and region: keep this
# true in exactly one workspace of each account.
manage_api_gateway_account = true

# terraform workspace: staging  (make plan WORKSPACE=staging)
region       = "eu-west-1"
email_sender = "orders-staging@example.com" # replace with a sender address you can verify in SES
# The functions' instruction set; `make build` builds the images for it (--platform linux/amd64).
image_architecture = "x86_64"

log_level                 = "INFO"
log_retention_days        = 90
ecr_force_delete          = false
table_deletion_protection = true
kms_deletion_window_days  = 30

api_throttle_rate_limit  = 20
api_throttle_burst_limit = 40
api_quota_per_day        = 50000
api_logging_level        = "ERROR"

# terraform workspace: dev  (make plan WORKSPACE=dev)
region       = "eu-west-1"
email_sender = "orders-dev@example.com" # replace with a sender address you can verify in SES
# The functions' instruction set; `make build` builds the images for it (--platform linux/amd64).
image_architecture = "x86_64"

log_level                 = "DEBUG"
log_retention_days        = 30
ecr_force_delete          = true
table_deletion_protection = false
kms_deletion_window_days  = 7

api_throttle_rate_limit  = 10
api_throttle_burst_limit = 20
api_quota_per_day        = 10000
api_logging_level        = "INFO"

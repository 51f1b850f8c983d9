# Per-workspace values live in environments/<workspace>.tfvars.

variable "project" {
  description = "Project name, the first part of every AWS name: <project>-<workspace>-<thing>."
  type        = string
  default     = "orderflow"
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
}

variable "image_tag" {
  description = "Tag of the images to run (e.g. the git commit). A value starting with sha256: is used as a digest (repo@sha256:...)."
  type        = string

  validation {
    condition     = length(var.image_tag) > 0
    error_message = "image_tag must not be empty."
  }
}

variable "image_digests" {
  description = "Optional digest per image name (order, invoice, ...), e.g. {order = \"sha256:...\"}; an image listed here ignores image_tag."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for d in values(var.image_digests) : startswith(d, "sha256:")])
    error_message = "Every image digest must start with sha256:."
  }
}

variable "image_architecture" {
  description = "Instruction set the images are built for: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.image_architecture)
    error_message = "image_architecture must be x86_64 or arm64."
  }
}

variable "email_sender" {
  description = "Sender address of the email function; becomes an SES email identity that must be verified."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.email_sender))
    error_message = "email_sender must be an email address."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of every function."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "invoice_series" {
  description = "How many gapless invoice series (A, B, ...) invoices are spread over, by a stable hash of the order id. One series' counter item takes about 500 invoices/s (one partition's 1,000 write units/s, 2 per transactional write); each series adds as much. Raising it is safe: an order's invoice, once issued, keeps its number."
  type        = number
  default     = 1

  validation {
    condition     = var.invoice_series >= 1 && var.invoice_series <= 26 && floor(var.invoice_series) == var.invoice_series
    error_message = "invoice_series must be a whole number from 1 to 26."
  }
}

variable "log_sample_rate" {
  description = "POWERTOOLS_LOGGER_SAMPLE_RATE of every function: the share of invocations logged at DEBUG whatever log_level says (0 to 1; e.g. 0.01)."
  type        = number
  default     = 0

  validation {
    condition     = var.log_sample_rate >= 0 && var.log_sample_rate <= 1
    error_message = "log_sample_rate must be between 0 and 1."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group, in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 365
}

variable "alarm_emails" {
  description = "Email addresses subscribed to the workspace's alarms topic (<project>-<workspace>-alarms). prod needs this or alarm_actions."
  type        = list(string)
  default     = []
}

variable "alarm_actions" {
  description = "More ARNs (e.g. a shared ops topic, a chat integration) every alarm notifies besides the alarms topic. prod needs this or alarm_emails."
  type        = list(string)
  default     = []

  validation {
    condition     = terraform.workspace != "prod" || length(var.alarm_actions) + length(var.alarm_emails) > 0
    error_message = "prod must notify someone: set alarm_emails or alarm_actions in environments/prod.tfvars."
  }
}

variable "api_latency_alarm_ms" {
  description = "p99 API latency (ms) above which, for 15 minutes, the latency alarm fires."
  type        = number
  default     = 2000
}

variable "ecr_untagged_expiry_days" {
  description = "Days after which an untagged image expires from the ECR repositories (tagged images never expire)."
  type        = number
  default     = 7
}

variable "ecr_force_delete" {
  description = "Let terraform destroy delete ECR repositories that still hold images."
  type        = bool
  default     = false
}

variable "table_deletion_protection" {
  description = "Protect every DynamoDB table from deletion (turn off before destroying a workspace)."
  type        = bool
  default     = true
}

variable "kms_deletion_window_days" {
  description = "Days before the workspace KMS key is deleted after destroy (7-30)."
  type        = number
  default     = 30
}

variable "api_throttle_rate_limit" {
  description = "Steady-state requests per second for the API stage and usage plan."
  type        = number
  default     = 50
}

variable "api_throttle_burst_limit" {
  description = "Request burst for the API stage and usage plan."
  type        = number
  default     = 100
}

variable "api_quota_per_day" {
  description = "Requests per day allowed for the API key."
  type        = number
  default     = 100000
}

variable "api_logging_level" {
  description = "API Gateway execution logging level: ERROR or INFO."
  type        = string
  default     = "ERROR"
}

variable "catalog_path" {
  description = "JSON file seeding the catalog table (list of {sku, name, unit_price, active}); null means services/order/catalog.json."
  type        = string
  default     = null
}

variable "iterator_age_alarm_ms" {
  description = "Alarm when a stream consumer's oldest unprocessed record is older than this (ms), for 5 minutes."
  type        = number
  default     = 60000
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary every role of the workspace carries; null means the one terraform/bootstrap creates for it: arn:<partition>:iam::<account>:policy/ci/<project>-<workspace>-boundary."
  type        = string
  default     = null
}

variable "api_5xx_rate_alarm" {
  description = "Share of API requests (0-1) answered 5XX over 5 minutes above which the API error-rate alarm fires."
  type        = number
  default     = 0.05
}

variable "decline_rate_alarm_share" {
  description = "Share of decided payments (0-1) declined over 15 minutes above which the decline-rate alarm fires."
  type        = number
  default     = 0.2
}

variable "decline_rate_alarm_minimum_payments" {
  description = "Payments that must be decided in the 15 minutes before the decline-rate alarm judges their share."
  type        = number
  default     = 10
}

variable "email_rejections_alarm" {
  description = "Emails SES refuses for good in 15 minutes above which the email-rejections alarm fires (0: any rejection)."
  type        = number
  default     = 0
}

variable "name" {
  description = "Prefix of the dashboard's and the alarms' names: <project>-<workspace>."
  type        = string
}

variable "region" {
  description = "Region of the metrics the dashboard shows."
  type        = string
}

variable "namespace" {
  description = "CloudWatch namespace of the business metrics (POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
}

variable "workspace" {
  description = "Value of the business metrics' one dimension, workspace (the functions' WORKSPACE)."
  type        = string
}

variable "functions" {
  description = "Per function of topology.json: its AWS name, its queue and DLQ names (null when it consumes no queue) and whether a stream triggers it."
  type = map(object({
    function_name = string
    queue_name    = optional(string)
    dlq_name      = optional(string)
    stream        = bool
  }))
}

variable "api" {
  description = "The REST API's name and stage, for the API widgets."
  type = object({
    name  = string
    stage = string
  })
}

variable "business_metrics" {
  description = "Business metric names, grouped into one dashboard widget per key (services/shared/observability.py emits them)."
  type        = map(list(string))
}

variable "timings" {
  description = "Business metrics that are durations in seconds: shown as p50 and p99."
  type        = list(string)
}

variable "decline_rate_alarm" {
  description = "Share of decided payments (0-1) declined over 15 minutes above which the decline-rate alarm fires, once at least minimum_payments were decided; authorised_metric and declined_metric name the two counts (services/topology.json declares them)."
  type = object({
    share             = number
    minimum_payments  = number
    authorised_metric = string
    declined_metric   = string
  })
}

variable "email_rejections_alarm" {
  description = "Emails SES refused for good in 15 minutes above which the email-rejections alarm fires (0: any)."
  type        = number
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires or recovers."
  type        = list(string)
}

variable "name" {
  description = "Name of the rule, the function's own name."
  type        = string
}

variable "function_arn" {
  description = "ARN of the function the rule runs."
  type        = string
}

variable "function_name" {
  description = "Name of the function the rule runs (for the invoke permission)."
  type        = string
}

variable "rate_minutes" {
  description = "Run the function every rate_minutes."
  type        = number
}

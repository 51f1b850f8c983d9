"""Event sources: what invokes the functions (SQS queues, DynamoDB streams, schedules)."""

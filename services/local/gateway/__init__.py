"""The local API Gateway: HTTP requests become REST proxy events for the order-api function."""

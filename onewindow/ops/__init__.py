"""Operations: the health check for a load balancer, request ids and log format."""

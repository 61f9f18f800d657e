# full-estate: the third cloudexit-ci example. RDS (postgres), ElastiCache
# (redis → Valkey), SQS with a dead-letter queue and a worker function, a
# scheduled function, a secret, an ECS service behind an ALB and a Cognito user
# pool with an app client (→ Keycloak) and an SNS topic fanning out to the queue
# and a function (→ the generated `sns` Publish service).
# The literal credentials below are recognisable FAKES: the generated stack
# must never contain them (tests grep the whole tree).

terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "api_token" {
  type      = string
  sensitive = true
  default   = "tok-sensitive-variable-do-not-leak"
}

locals {
  name = "estate"
}

# ---------------------------------------------------------------- network

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_security_group" "db" {
  name   = "${local.name}-db"
  vpc_id = aws_vpc.main.id
}

# ---------------------------------------------------------------- database

resource "aws_db_subnet_group" "main" {
  name       = "${local.name}-db"
  subnet_ids = [aws_subnet.private.id]
}

resource "aws_db_parameter_group" "pg" {
  name   = "${local.name}-pg16"
  family = "postgres16"

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}

resource "aws_db_instance" "main" {
  identifier              = "${local.name}-db"
  engine                  = "postgres"
  engine_version          = "16.3"
  instance_class          = "db.t4g.micro"
  allocated_storage       = 20
  db_name                 = "orders"
  username                = "app_admin"
  password                = "hunter2-do-not-leak"
  parameter_group_name    = aws_db_parameter_group.pg.name
  db_subnet_group_name    = aws_db_subnet_group.main.name
  vpc_security_group_ids  = [aws_security_group.db.id]
  multi_az                = true
  backup_retention_period = 7
  skip_final_snapshot     = true
}

# ---------------------------------------------------------------- cache

resource "aws_elasticache_subnet_group" "main" {
  name       = "${local.name}-cache"
  subnet_ids = [aws_subnet.private.id]
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "${local.name}-cache"
  description          = "session cache"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = "cache.t4g.micro"
  num_cache_clusters   = 1
  subnet_group_name    = aws_elasticache_subnet_group.main.name
  auth_token           = "redis-token-do-not-leak-0123456789"
  transit_encryption_enabled = true
}

# ---------------------------------------------------------------- secret

resource "aws_secretsmanager_secret" "stripe" {
  name = "${local.name}/stripe-key"
}

resource "aws_secretsmanager_secret_version" "stripe" {
  secret_id     = aws_secretsmanager_secret.stripe.id
  secret_string = "sk_live_fake_do_not_leak"
}

resource "aws_ssm_parameter" "signing_key" {
  name  = "/${local.name}/signing-key"
  type  = "SecureString"
  value = "ssm-signing-key-do-not-leak"
}

# ---------------------------------------------------------------- queues + worker

resource "aws_sqs_queue" "jobs_dlq" {
  name                      = "${local.name}-jobs-dlq"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "jobs" {
  name                       = "${local.name}-jobs"
  visibility_timeout_seconds = 60
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
    maxReceiveCount     = 3
  })
}

resource "aws_iam_role" "lambda" {
  name = "${local.name}-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

data "archive_file" "worker" {
  type        = "zip"
  source_dir  = "${path.module}/src/worker"
  output_path = "${path.module}/build/worker.zip"
}

resource "aws_lambda_function" "worker" {
  function_name = "${local.name}-worker"
  role          = aws_iam_role.lambda.arn
  runtime       = "python3.12"
  handler       = "handler.handler"
  filename      = data.archive_file.worker.output_path
  timeout       = 30

  environment {
    variables = {
      DB_HOST       = aws_db_instance.main.address
      DB_NAME       = "orders"
      CACHE_HOST    = aws_elasticache_replication_group.cache.primary_endpoint_address
      DLQ_URL       = aws_sqs_queue.jobs_dlq.url
      STRIPE_SECRET = aws_secretsmanager_secret_version.stripe.secret_string
      API_TOKEN     = var.api_token
    }
  }
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn        = aws_sqs_queue.jobs.arn
  function_name           = aws_lambda_function.worker.arn
  batch_size              = 5
  function_response_types = ["ReportBatchItemFailures"]
}

# ---------------------------------------------------------------- scheduled function

data "archive_file" "nightly" {
  type        = "zip"
  source_dir  = "${path.module}/src/nightly"
  output_path = "${path.module}/build/nightly.zip"
}

resource "aws_lambda_function" "nightly" {
  function_name = "${local.name}-nightly"
  role          = aws_iam_role.lambda.arn
  runtime       = "python3.12"
  handler       = "handler.handler"
  filename      = data.archive_file.nightly.output_path

  environment {
    variables = {
      JOBS_QUEUE_URL = aws_sqs_queue.jobs.url
    }
  }
}

resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "${local.name}-nightly"
  schedule_expression = "cron(30 2 ? * MON-FRI *)"
}

resource "aws_cloudwatch_event_target" "nightly" {
  rule = aws_cloudwatch_event_rule.nightly.name
  arn  = aws_lambda_function.nightly.arn
}

resource "aws_lambda_permission" "nightly" {
  statement_id  = "AllowEventBridge"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.nightly.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.nightly.arn
}

# ---------------------------------------------------------------- ECS behind an ALB

resource "aws_ecs_cluster" "main" {
  name = local.name
}

resource "aws_ecs_task_definition" "web" {
  family                   = "${local.name}-web"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 512
  memory                   = 1024

  container_definitions = jsonencode([{
    name      = "web"
    image     = "ghcr.io/example/estate-web:1.4.2"
    essential = true
    command   = ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
    portMappings = [{ containerPort = 8000, protocol = "tcp" }]
    environment = [
      { name = "DB_HOST", value = "estate-db" },
      { name = "LOG_LEVEL", value = "info" },
    ]
    secrets = [
      { name = "STRIPE_KEY", valueFrom = aws_secretsmanager_secret.stripe.arn },
      { name = "SIGNING_KEY", valueFrom = aws_ssm_parameter.signing_key.arn },
    ]
    healthCheck = {
      command  = ["CMD-SHELL", "curl -fsS http://localhost:8000/healthz || exit 1"]
      interval = 15
      timeout  = 5
      retries  = 3
    }
  }])
}

resource "aws_lb" "web" {
  name               = "${local.name}-web"
  load_balancer_type = "application"
  subnets            = [aws_subnet.private.id]
}

resource "aws_lb_target_group" "web" {
  name        = "${local.name}-web"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = aws_vpc.main.id

  health_check {
    path = "/healthz"
  }
}

resource "aws_acm_certificate" "web" {
  domain_name       = "app.example.com"
  validation_method = "DNS"
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = aws_acm_certificate.web.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_listener_rule" "api" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }

  condition {
    path_pattern {
      values = ["/api/*"]
    }
  }
}

resource "aws_ecs_service" "web" {
  name            = "${local.name}-web"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 8000
  }

  network_configuration {
    subnets         = [aws_subnet.private.id]
    security_groups = [aws_security_group.db.id]
  }
}

# ---------------------------------------------------------------- sign-in (Cognito → Keycloak)

resource "aws_cognito_user_pool" "users" {
  name                     = "${local.name}-users"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OPTIONAL"

  password_policy {
    minimum_length    = 10
    require_lowercase = true
    require_uppercase = true
    require_numbers   = true
    require_symbols   = false
  }

  software_token_mfa_configuration {
    enabled = true
  }
}

resource "aws_cognito_user_pool_client" "web" {
  name                                 = "${local.name}-web"
  user_pool_id                         = aws_cognito_user_pool.users.id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  callback_urls                        = ["https://app.example.com/oauth2/callback"]
  logout_urls                          = ["https://app.example.com/"]
  supported_identity_providers         = ["COGNITO"]
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
}

resource "aws_cognito_user_pool_domain" "login" {
  domain       = "${local.name}-login"
  user_pool_id = aws_cognito_user_pool.users.id
}

# ---------------------------------------------------------------- events (SNS → fan-out)

resource "aws_sns_topic" "events" {
  name = "${local.name}-events"
}

resource "aws_sns_topic_subscription" "jobs" {
  topic_arn            = aws_sns_topic.events.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.jobs.arn
  raw_message_delivery = true
}

resource "aws_sns_topic_subscription" "nightly" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.nightly.arn
}

resource "aws_sns_topic_subscription" "ops" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "email"
  endpoint  = "ops@example.com"
}

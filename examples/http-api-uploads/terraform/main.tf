# HTTP API (payload 2.0) + Python 3.12 Lambdas + S3 + DynamoDB.
# Example input for cloudexit-ci: binary uploads/downloads through API Gateway
# and a GSI query with a numeric range key.

terraform {
  required_providers {
    aws     = { source = "hashicorp/aws", version = "~> 5.0" }
    archive = { source = "hashicorp/archive", version = "~> 2.4" }
  }
}

variable "env" {
  type        = string
  description = "Deployment environment, used in every resource name"
  default     = "dev"
}

locals {
  prefix = "uploads-${var.env}"
}

# ------------------------------------------------------------------ storage

resource "aws_s3_bucket" "files" {
  bucket = "${local.prefix}-files"
}

resource "aws_s3_bucket_versioning" "files" {
  bucket = aws_s3_bucket.files.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_cors_configuration" "files" {
  bucket = aws_s3_bucket.files.id
  cors_rule {
    allowed_methods = ["GET", "PUT"]
    allowed_origins = ["https://app.example.com"]
    allowed_headers = ["*"]
    max_age_seconds = 3600
  }
}

resource "aws_dynamodb_table" "notes" {
  name         = "${local.prefix}-notes"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "owner"
    type = "S"
  }

  attribute {
    name = "createdAt"
    type = "N"
  }

  global_secondary_index {
    name            = "owner-index"
    hash_key        = "owner"
    range_key       = "createdAt"
    projection_type = "ALL"
  }
}

# --------------------------------------------------------------------- IAM

resource "aws_iam_role" "lambda" {
  name = "${local.prefix}-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "lambda" {
  name = "${local.prefix}-lambda"
  role = aws_iam_role.lambda.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = "${aws_s3_bucket.files.arn}/*"
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:Query"]
        Resource = [aws_dynamodb_table.notes.arn, "${aws_dynamodb_table.notes.arn}/index/*"]
      },
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "arn:aws:logs:*:*:log-group:/aws/lambda/${local.prefix}-*:*"
      },
    ]
  })
}

# ----------------------------------------------------------------- Lambdas

data "archive_file" "upload_file" {
  type        = "zip"
  source_dir  = "${path.module}/src/upload_file"
  output_path = "${path.module}/build/upload_file.zip"
}

resource "aws_cloudwatch_log_group" "upload_file" {
  name              = "/aws/lambda/${local.prefix}-upload-file"
  retention_in_days = 14
}

resource "aws_lambda_function" "upload_file" {
  function_name    = "${local.prefix}-upload-file"
  role             = aws_iam_role.lambda.arn
  runtime          = "python3.12"
  handler          = "app.handler"
  filename         = data.archive_file.upload_file.output_path
  source_code_hash = data.archive_file.upload_file.output_base64sha256
  timeout          = 30
  memory_size      = 512

  environment {
    variables = {
      BUCKET_NAME = aws_s3_bucket.files.bucket
      TABLE_NAME  = aws_dynamodb_table.notes.name
    }
  }

  depends_on = [aws_cloudwatch_log_group.upload_file]
}

data "archive_file" "download_file" {
  type        = "zip"
  source_dir  = "${path.module}/src/download_file"
  output_path = "${path.module}/build/download_file.zip"
}

resource "aws_cloudwatch_log_group" "download_file" {
  name              = "/aws/lambda/${local.prefix}-download-file"
  retention_in_days = 14
}

resource "aws_lambda_function" "download_file" {
  function_name    = "${local.prefix}-download-file"
  role             = aws_iam_role.lambda.arn
  runtime          = "python3.12"
  handler          = "app.handler"
  filename         = data.archive_file.download_file.output_path
  source_code_hash = data.archive_file.download_file.output_base64sha256
  timeout          = 30
  memory_size      = 512

  environment {
    variables = {
      BUCKET_NAME = aws_s3_bucket.files.bucket
      TABLE_NAME  = aws_dynamodb_table.notes.name
    }
  }

  depends_on = [aws_cloudwatch_log_group.download_file]
}

data "archive_file" "put_note" {
  type        = "zip"
  source_dir  = "${path.module}/src/put_note"
  output_path = "${path.module}/build/put_note.zip"
}

resource "aws_cloudwatch_log_group" "put_note" {
  name              = "/aws/lambda/${local.prefix}-put-note"
  retention_in_days = 14
}

resource "aws_lambda_function" "put_note" {
  function_name    = "${local.prefix}-put-note"
  role             = aws_iam_role.lambda.arn
  runtime          = "python3.12"
  handler          = "app.handler"
  filename         = data.archive_file.put_note.output_path
  source_code_hash = data.archive_file.put_note.output_base64sha256
  timeout          = 10
  memory_size      = 256

  environment {
    variables = {
      BUCKET_NAME = aws_s3_bucket.files.bucket
      TABLE_NAME  = aws_dynamodb_table.notes.name
    }
  }

  depends_on = [aws_cloudwatch_log_group.put_note]
}

data "archive_file" "list_notes" {
  type        = "zip"
  source_dir  = "${path.module}/src/list_notes"
  output_path = "${path.module}/build/list_notes.zip"
}

resource "aws_cloudwatch_log_group" "list_notes" {
  name              = "/aws/lambda/${local.prefix}-list-notes"
  retention_in_days = 14
}

resource "aws_lambda_function" "list_notes" {
  function_name    = "${local.prefix}-list-notes"
  role             = aws_iam_role.lambda.arn
  runtime          = "python3.12"
  handler          = "app.handler"
  filename         = data.archive_file.list_notes.output_path
  source_code_hash = data.archive_file.list_notes.output_base64sha256
  timeout          = 10
  memory_size      = 256

  environment {
    variables = {
      BUCKET_NAME = aws_s3_bucket.files.bucket
      TABLE_NAME  = aws_dynamodb_table.notes.name
    }
  }

  depends_on = [aws_cloudwatch_log_group.list_notes]
}

# ---------------------------------------------------------------- HTTP API

resource "aws_apigatewayv2_api" "http" {
  name          = "${local.prefix}-api"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins = ["https://app.example.com"]
    allow_methods = ["GET", "PUT", "POST"]
    allow_headers = ["content-type"]
    max_age       = 3600
  }
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = 50
    throttling_burst_limit = 100
  }
}

resource "aws_apigatewayv2_integration" "upload_file" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.upload_file.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "upload_file" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "PUT /files/{key}"
  target    = "integrations/${aws_apigatewayv2_integration.upload_file.id}"
}

resource "aws_lambda_permission" "upload_file" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.upload_file.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

resource "aws_apigatewayv2_integration" "download_file" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.download_file.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "download_file" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /files/{key}"
  target    = "integrations/${aws_apigatewayv2_integration.download_file.id}"
}

resource "aws_lambda_permission" "download_file" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.download_file.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

resource "aws_apigatewayv2_integration" "put_note" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.put_note.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "put_note" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "POST /notes"
  target    = "integrations/${aws_apigatewayv2_integration.put_note.id}"
}

resource "aws_lambda_permission" "put_note" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.put_note.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

resource "aws_apigatewayv2_integration" "list_notes" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.list_notes.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "list_notes" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /notes/by-owner/{owner}"
  target    = "integrations/${aws_apigatewayv2_integration.list_notes.id}"
}

resource "aws_lambda_permission" "list_notes" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.list_notes.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

output "api_url" {
  value = aws_apigatewayv2_api.http.api_endpoint
}

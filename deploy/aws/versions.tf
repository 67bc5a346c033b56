# hotpath on AWS: the reference design (docs/deploy.md). `terraform init && terraform plan`.
# State holds the Redis AUTH token (a sensitive input); keep it in an encrypted remote backend.
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 6.0"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      Project     = "hotpath"
      Environment = var.environment
    }
  }
}


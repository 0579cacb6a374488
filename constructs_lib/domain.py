"""The API's own domain name (settings domain_name and hosted_zone_id): a DNS-validated ACM
certificate, a regional API Gateway custom domain mapped to the stage, and the A and AAAA alias
records that point the name at it."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.contract import DOMAIN_ALIAS_RECORD_TYPES, DOMAIN_SECURITY_POLICY
from constructs_lib.framework import (
    AcmCertificate,
    AcmCertificateValidation,
    ApiGatewayBasePathMapping,
    ApiGatewayDomainName,
    ApiGatewayDomainNameEndpointConfiguration,
    Route53Record,
    Route53RecordAlias,
    TerraformResourceLifecycle,
)

VALIDATION_RECORD_TTL_SECONDS = 300


@dataclass(frozen=True)
class CustomDomainProps:
    """Settings of the custom domain."""

    domain_name: str
    hosted_zone_id: str
    """The Route 53 public hosted zone that holds domain_name: it must exist before the deploy."""
    rest_api_id: str
    stage_name: str


class CustomDomain(Construct):
    """``https://<domain_name>/`` serving the stage; the certificate validated through DNS."""

    def __init__(self, scope: Construct, id_: str, props: CustomDomainProps) -> None:
        super().__init__(scope, id_)
        self.certificate = AcmCertificate(
            self,
            "certificate",
            domain_name=props.domain_name,
            validation_method="DNS",
            # A renewed or replaced certificate exists before the old one goes: the domain is never
            # left without one.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        option = self.certificate.domain_validation_options.get(0)
        self.validation_record = Route53Record(
            self,
            "validation_record",
            zone_id=props.hosted_zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=VALIDATION_RECORD_TTL_SECONDS,
            allow_overwrite=True,
        )
        # Waits until ACM has seen the record and issued the certificate.
        self.validation = AcmCertificateValidation(
            self,
            "validation",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=[self.validation_record.fqdn],
        )
        self.domain = ApiGatewayDomainName(
            self,
            "domain",
            domain_name=props.domain_name,
            regional_certificate_arn=self.validation.certificate_arn,
            endpoint_configuration=ApiGatewayDomainNameEndpointConfiguration(types=["REGIONAL"]),
            security_policy=DOMAIN_SECURITY_POLICY,
        )
        self.mapping = ApiGatewayBasePathMapping(
            self,
            "mapping",
            api_id=props.rest_api_id,
            stage_name=props.stage_name,
            domain_name=self.domain.domain_name,
        )
        self.records = [
            Route53Record(
                self,
                f"alias_{record_type.lower()}",
                zone_id=props.hosted_zone_id,
                name=props.domain_name,
                type=record_type,
                alias=Route53RecordAlias(
                    name=self.domain.regional_domain_name,
                    zone_id=self.domain.regional_zone_id,
                    evaluate_target_health=False,
                ),
            )
            for record_type in DOMAIN_ALIAS_RECORD_TYPES
        ]

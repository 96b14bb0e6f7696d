import {
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/** Where the functions run when Streamer goes into a VPC. */
export interface EngineVpcSettings {
  /** Your VPC (e.g. `Vpc.fromLookup`), with DNS hostnames and DNS support on. */
  readonly vpc: IVpc;
  /**
   * Subnets of the functions' network interfaces. Default: the VPC's private
   * subnets with egress. They need a route to the internet (a NAT gateway):
   * the router and the projector post frames to the WebSocket API's
   * Management API, which no VPC endpoint reaches (see docs/deploy.md).
   */
  readonly subnets?: SubnetSelection;
  /**
   * Create the VPC endpoints (DynamoDB gateway; SQS and X-Ray interface
   * endpoints with private DNS). Default true; turn off when the VPC already
   * has them (a second interface endpoint with private DNS for one service
   * cannot be created).
   */
  readonly createEndpoints?: boolean;
}

/**
 * The functions' network when they run in a VPC: one security group (HTTPS
 * out, nothing in) and the endpoints that keep DynamoDB, SQS and X-Ray
 * traffic off the NAT gateway.
 */
export class EngineNetwork extends Construct {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  /** The functions' security group: outbound 443 only. */
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, settings: EngineVpcSettings) {
    super(scope, id);
    this.vpc = settings.vpc;
    this.subnets = settings.subnets ?? { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
    this.securityGroup = new SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc: this.vpc,
      description: 'Streamer functions: HTTPS to AWS APIs and the Management API, nothing inbound',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS to AWS APIs');
    if (settings.createEndpoints ?? true) this.#endpoints();
  }

  #endpoints(): void {
    new GatewayVpcEndpoint(this, 'DynamoDbEndpoint', {
      vpc: this.vpc,
      service: GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [this.subnets],
    });
    const endpointGroup = new SecurityGroup(this, 'EndpointsSecurityGroup', {
      vpc: this.vpc,
      description: 'Streamer interface endpoints: HTTPS from the Streamer functions',
      allowAllOutbound: false,
    });
    endpointGroup.addIngressRule(
      this.securityGroup,
      Port.tcp(443),
      'HTTPS from Streamer functions',
    );
    const services = {
      SqsEndpoint: InterfaceVpcEndpointAwsService.SQS,
      XRayEndpoint: InterfaceVpcEndpointAwsService.XRAY,
    };
    for (const [endpointId, service] of Object.entries(services)) {
      new InterfaceVpcEndpoint(this, endpointId, {
        vpc: this.vpc,
        service,
        subnets: this.subnets,
        securityGroups: [endpointGroup],
        // Only the functions' group may connect (the ingress rule above), not the whole VPC CIDR.
        open: false,
        privateDnsEnabled: true,
      });
    }
  }
}

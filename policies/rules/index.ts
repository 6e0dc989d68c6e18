// The pack's rules, in the order the README lists them. index.ts serves them as a PolicyPack;
// tests import this list directly (constructing a PolicyPack starts the gRPC server).

import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { boundedSlotWal } from "./boundedSlotWal";
import { containersHardened } from "./containersHardened";
import { dataInNamedVolume } from "./dataInNamedVolume";
import { dockerEndpointTls } from "./dockerEndpointTls";
import { healthcheckAndRestart } from "./healthcheckAndRestart";
import { hotStandbyOn } from "./hotStandbyOn";
import { noNetworkSuperuserLogin } from "./noNetworkSuperuserLogin";
import { noPlaintextPasswords } from "./noPlaintextPasswords";
import { noPublicPostgresPort } from "./noPublicPostgresPort";
import { noTrustAuthDefaults } from "./noTrustAuthDefaults";
import { patroniBoundedFailoverLag } from "./patroniBoundedFailoverLag";
import { patroniControlPlaneTls } from "./patroniControlPlaneTls";
import { patroniDcsMembers } from "./patroniDcsMembers";
import { pgHbaOnEveryNode } from "./pgHbaOnEveryNode";
import { pgHbaTlsOnly } from "./pgHbaTlsOnly";
import { pgRewindReady } from "./pgRewindReady";
import { pinnedImage } from "./pinnedImage";
import { primaryIsANode } from "./primaryIsANode";
import { productionAutomaticFailover } from "./productionAutomaticFailover";
import { productionBackups } from "./productionBackups";
import { productionMemoryLimit } from "./productionMemoryLimit";
import { productionMonitoring } from "./productionMonitoring";
import { productionSpreadOverHosts } from "./productionSpreadOverHosts";
import { productionVolumesRetained } from "./productionVolumesRetained";
import { replicaBootstrappedFromOwnSlot } from "./replicaBootstrappedFromOwnSlot";
import { replicationRoleNotSuperuser } from "./replicationRoleNotSuperuser";
import { roleNamesNotReserved } from "./roleNamesNotReserved";
import { scramPasswordEncryption } from "./scramPasswordEncryption";
import { securePgHba } from "./securePgHba";
import { shmSize } from "./shmSize";
import { sslOnEveryNode } from "./sslOnEveryNode";
import { synchronousStandbysExist } from "./synchronousStandbysExist";
import { tlsVerifyFull } from "./tlsVerifyFull";
import { walSettingsFitReplicas } from "./walSettingsFitReplicas";

export const policies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
    // Security
    noPublicPostgresPort,
    securePgHba,
    pgHbaOnEveryNode,
    noNetworkSuperuserLogin,
    noTrustAuthDefaults,
    noPlaintextPasswords,
    scramPasswordEncryption,
    replicationRoleNotSuperuser,
    roleNamesNotReserved,
    containersHardened,
    // TLS
    sslOnEveryNode,
    pgHbaTlsOnly,
    tlsVerifyFull,
    dockerEndpointTls,
    // Replication
    primaryIsANode,
    walSettingsFitReplicas,
    replicaBootstrappedFromOwnSlot,
    boundedSlotWal,
    synchronousStandbysExist,
    hotStandbyOn,
    pgRewindReady,
    // Automatic failover (ha: patroni)
    patroniDcsMembers,
    patroniControlPlaneTls,
    patroniBoundedFailoverLag,
    // Durability and operations
    pinnedImage,
    dataInNamedVolume,
    productionVolumesRetained,
    productionMemoryLimit,
    productionMonitoring,
    productionBackups,
    productionAutomaticFailover,
    productionSpreadOverHosts,
    healthcheckAndRestart,
    shmSize,
];

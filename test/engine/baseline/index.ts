import * as resources from "@pulumi/azure-native/resources";

export const name = new resources.ResourceGroup("rg", { resourceGroupName: "rg-baseline", location: "westus2" }).name;

export {
  type Delivery,
  type DeliverySnapshot,
  type FailureReport,
  GroupDelivery,
  type MlsClientMessage,
  type Outcome,
} from "./group-delivery.ts";
export { type Framing, readFraming } from "./mls-framing.ts";

export {
  type Delivery,
  GroupDelivery,
  type MlsClientMessage,
  type Outcome,
} from "./group-delivery.ts";
export { type Framing, readFraming } from "./mls-framing.ts";

import { handleTrpcRequest } from "@/server/api/handler";

export const dynamic = "force-dynamic";

export { handleTrpcRequest as GET, handleTrpcRequest as POST };

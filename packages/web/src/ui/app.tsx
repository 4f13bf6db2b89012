import { useCallback, useEffect, useState } from "preact/hooks";
import { parseRoute, type Route } from "../call/room-link.ts";
import { Landing } from "./landing.tsx";
import { MeetingRoute } from "./meeting-route.tsx";
import { NotFound } from "./not-found.tsx";

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(location));

  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location));
    addEventListener("popstate", onChange);
    addEventListener("hashchange", onChange);
    return () => {
      removeEventListener("popstate", onChange);
      removeEventListener("hashchange", onChange);
    };
  }, []);

  const navigate = useCallback((path: string) => {
    history.pushState(null, "", path);
    setRoute(parseRoute(location));
  }, []);

  switch (route.page) {
    case "landing":
      return <Landing navigate={navigate} />;
    case "meeting":
      return (
        <MeetingRoute
          key={`${route.roomId}#${route.secret ?? ""}`}
          roomId={route.roomId}
          secret={route.secret}
          navigate={navigate}
        />
      );
    case "not-found":
      return <NotFound navigate={navigate} />;
  }
}
